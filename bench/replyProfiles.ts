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

export function defaultReplyProfiles(tokens = 20, holdTokens = 100): ReplyProfiles {
  return {
    fast: { tokens, delayMs: 0 },
    slow: { tokens, delayMs: 20 },
    // Long enough that 1,000 streams opened at once are all open together.
    hold: { tokens: holdTokens, delayMs: 20 },
  };
}
