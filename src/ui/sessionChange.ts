import type { PendingConfirm, SessionChange } from './controlModel.js';

const SESSION_CHANGES = {
  reset: {
    title: 'Reset this session?',
    body: 'keeps its key but starts again with an empty history. A reply in progress is stopped.',
    action: 'Reset',
  },
  delete: {
    title: 'Delete this session?',
    body: 'and its whole history are removed from the gateway. This cannot be undone.',
    action: 'Delete',
  },
} as const;

/** The confirmation a reset or delete asks for before `run` changes the session. */
export function sessionChangeConfirm(change: SessionChange, key: string, run: () => Promise<void>): PendingConfirm {
  const text = SESSION_CHANGES[change];
  return { ...text, body: `${key} ${text.body}`, run };
}
