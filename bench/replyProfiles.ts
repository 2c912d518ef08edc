/**
 * How the fake provider answers, chosen by the model id it is asked for (`fast`, `slow`, `hold`),
 * so one fake process serves every profile and the gateway picks one through its agent's model.
 */
export interface ReplyProfile {
  /** Content tokens per reply. */
  tokens: number;
  /** Delay before each content token; 0 sends the whole stream in one write. */
  delayMs: number;
}

export type ProfileName = 'fast' | 'slow' | 'hold';

export type ReplyProfiles = Record<ProfileName, ReplyProfile>;

export function defaultReplyProfiles(tokens = 20): ReplyProfiles {
  return {
    fast: { tokens, delayMs: 0 },
    slow: { tokens, delayMs: 20 },
    // As slow, but the fake holds these streams until all of the open-streams test has arrived.
    hold: { tokens, delayMs: 20 },
  };
}
