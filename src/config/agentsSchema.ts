import { z } from 'zod';
import { nonNegativeInt, positiveInt } from './numberSchemas.js';

/**
 * `"<provider>/<model>"`, an alias from `agents.defaults.models`, or a bare model id (OpenClaw's default
 * provider, anthropic); either alone or as `{primary, fallbacks}`. Resolved once when the agents are built.
 */
const modelName = z.string().trim().min(1, 'expected "<provider>/<model>" or a model alias');
export const modelRefSchema = z.union([
  modelName,
  z.strictObject({ primary: modelName, fallbacks: z.array(modelName).default([]) }),
]);

const agentFields = {
  name: z.string().optional(),
  model: modelRefSchema.optional(),
  systemPrompt: z.string().optional(),
  /** `~` is expanded by the loader. */
  workspace: z.string().optional(),
  timeoutSeconds: nonNegativeInt.optional(),
  /** `identity.name` is the agent's display name (in `/v1/models`); OpenClaw's other identity keys are not served. */
  identity: z.strictObject({ name: z.string().optional() }).optional(),
  /** `provider/model` that `POST /v1/embeddings` uses for this agent. */
  embeddingModel: z
    .string()
    .regex(/^[^/\s]+\/\S+$/, 'expected "<provider>/<model>"')
    .optional(),
};

/** `agents.list[]`, the older form: an array of entries each carrying its id. */
export const agentEntrySchema = z.strictObject({
  id: z.string().min(1),
  default: z.boolean().optional(),
  ...agentFields,
  /** Allow-list of built-in tool names (this gateway's own key). */
  tools: z.array(z.string()).optional(),
});

/** `agents.entries.<id>`, OpenClaw's current form: the map key is the agent id. */
export const agentMapEntrySchema = z.strictObject({
  default: z.boolean().optional(),
  ...agentFields,
});

export const agentsSchema = z
  .strictObject({
    /** OpenClaw asks for `"explicit"` when several `entries` are configured. */
    ownership: z.literal('explicit').optional(),
    defaults: z
      .strictObject({
        ...agentFields,
        tools: z.array(z.string()).optional(),
        /** Per-model settings keyed by `provider/model`; `alias` names it for model refs. */
        models: z.record(z.string(), z.strictObject({ alias: z.string().optional() })).default({}),
        timeoutSeconds: nonNegativeInt.default(172_800),
        maxConcurrent: positiveInt.default(1024),
        maxQueued: nonNegativeInt.default(4096),
        maxToolSteps: positiveInt.default(8),
        /** OpenClaw's cheap model for housekeeping calls (Open WebUI task prompts); the agent's model when unset. */
        utilityModel: z
          .string()
          .regex(/^[^/\s]+\/\S+$/, 'expected "<provider>/<model>"')
          .optional(),
      })
      .prefault({}),
    list: z.array(agentEntrySchema).default([]),
    entries: z.record(z.string().min(1), agentMapEntrySchema).default({}),
  })
  .prefault({});
