// The shape of every client-to-server event, as zod schemas. The inbound guard validates each
// packet against them before any handler runs, so handlers receive typed, bounded data and a
// malformed request is refused with the first problem spelled out.

import { z } from 'zod';
import type { ClientToServerEvents } from '../client/protocol.js';

const channel = z.string().min(1).max(200);
const id = z.string().min(1).max(128);

export const REQUEST_SCHEMAS = {
  subscribe: z.object({ channel }),
  unsubscribe: z.object({ channel }),
  resume: z.object({
    channels: z
      .array(
        z.object({
          channel,
          cursor: z
            .record(z.string().max(300), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER))
            .refine((c) => Object.keys(c).length <= 512, 'a cursor holds at most 512 partitions'),
        }),
      )
      .min(1)
      .max(200),
  }),
  'auth:refresh': z.object({ token: z.string().min(1).max(16_384) }),
  'admin:sessions': z.object({ userId: id }),
  'admin:disconnect': z.object({ userId: id, reason: z.string().max(200).optional() }),
} as const satisfies Record<keyof ClientToServerEvents, z.ZodType>;

export type RequestOf<E extends keyof typeof REQUEST_SCHEMAS> = z.infer<(typeof REQUEST_SCHEMAS)[E]>;

/** The first validation problem as one line: `channels.0.cursor: expected number`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const at = issue.path.map(String).join('.');
  return at ? `${at}: ${issue.message}` : issue.message;
}
