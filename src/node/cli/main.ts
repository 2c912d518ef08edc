import { Command } from 'commander';
import { VERSION } from '../../version.js';
import { registerGatewayCommand } from './gatewayCommand.js';

export function buildProgram(): Command {
  const program = new Command('openclaw')
    .description('OpenClaw-compatible agent gateway: OpenAI-compatible HTTP API and WebSocket protocol on one port')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .enablePositionalOptions();
  registerGatewayCommand(program);
  for (const cmd of program.commands) cmd.version(VERSION, '-V, --version');
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
