import { Command } from 'commander';
import { VERSION } from '../../version.js';
import { loadConfig } from '../config/load.js';
import { stderrLogger } from '../stderrLogger.js';
import { openSessionStoreOnly } from '../storage.js';
import { registerAgentCommand } from './agentCommand.js';
import { registerConfigCommand } from './configCommand.js';
import { registerDashboardCommand } from './dashboardCommand.js';
import { registerDoctorCommand } from './doctorCommand.js';
import { registerGatewayCommand } from './gatewayCommand.js';
import { registerHealthCommand } from './healthCommand.js';
import { registerModelsCommand } from './modelsCommand.js';
import { registerSessionsCommand } from './sessionsCommand.js';
import { registerStatusCommand } from './statusCommand.js';

export function buildProgram(): Command {
  const program = new Command('openclaw')
    .description('OpenClaw-compatible agent gateway: OpenAI-compatible HTTP API and WebSocket protocol on one port')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .enablePositionalOptions();
  registerGatewayCommand(program);
  registerAgentCommand(program);
  registerHealthCommand(program);
  registerStatusCommand(program);
  registerConfigCommand(program);
  registerModelsCommand(program);
  registerDashboardCommand(program);
  registerDoctorCommand(program);
  registerSessionsCommand(program, async ({ config }) => {
    const loaded = await loadConfig({ configPath: config, env: process.env });
    return openSessionStoreOnly(loaded.config, loaded.stateDir, process.env, stderrLogger(false));
  });
  addVersionEverywhere(program);
  return program;
}

function addVersionEverywhere(cmd: Command): void {
  for (const sub of cmd.commands) {
    sub.version(VERSION, '-V, --version');
    addVersionEverywhere(sub);
  }
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
