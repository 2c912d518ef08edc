import { agentMethod, agentWaitMethod } from './agent.js';
import { agentsListMethod, modelsListMethod } from './catalog.js';
import { chatAbortMethod, chatHistoryMethod, chatSendMethod } from './chat.js';
import { healthMethod, statusMethod } from './health.js';
import type { GatewayMethod } from './method.js';
import { sessionsDeleteMethod, sessionsListMethod, sessionsResetMethod } from './sessions.js';

/** Every method served after `connect`, by name. */
export const METHODS: ReadonlyMap<string, GatewayMethod> = new Map(
  [
    healthMethod,
    statusMethod,
    agentsListMethod,
    modelsListMethod,
    agentMethod,
    agentWaitMethod,
    chatSendMethod,
    chatHistoryMethod,
    chatAbortMethod,
    sessionsListMethod,
    sessionsResetMethod,
    sessionsDeleteMethod,
  ].map((m) => [m.name, m]),
);

/** What `hello-ok` advertises: `connect` plus the table. */
export const METHOD_NAMES = ['connect', ...METHODS.keys()];
