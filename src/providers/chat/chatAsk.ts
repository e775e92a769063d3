import { z } from 'zod';
import { taskKindSchema, tierSchema } from '../../settings/schema';

/** The argument of the internal `tiered.chat.ask` command, validated because any extension can call a command. */
export const chatAskSchema = z.object({
  text: z.string().min(1).max(1_000_000),
  task: taskKindSchema,
  tierHint: z.union([tierSchema, z.literal('auto')]).optional(),
  modelHint: z.string().max(200).optional(),
  /** What the router reads instead of `text` and the context (a built-in prompt routed as its command). */
  routeAs: z
    .object({
      text: z.string().max(10_000),
      code: z.object({ lines: z.number().int().min(0), chars: z.number().int().min(0), languageId: z.string().max(64).optional(), fileCount: z.number().int().min(0).max(1000) }).optional(),
    })
    .optional(),
  context: z
    .array(
      z.object({
        id: z.string().max(200),
        kind: z.enum(['selection', 'file']),
        label: z.string().max(1000),
        languageId: z.string().max(64),
        text: z.string().max(2_000_000),
      }),
    )
    .max(50)
    .optional(),
});
export type ChatAskArgument = z.infer<typeof chatAskSchema>;
