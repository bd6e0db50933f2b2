import { z } from 'zod';
import { port } from './primitives';

/** Host names that only this machine reaches: the console may serve them without sign-in. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', 'localhost', '::1'];

/** The `console` section: where `edp console` serves the operator web console and who may sign in. */
export const consoleSchema = z
  .object({
    /** Address to bind; anything but loopback needs `usersFile` (the console starts runs and pauses schedules). */
    host: z.string().min(1).default('127.0.0.1'),
    /** Port to serve on; 0 picks a free one. */
    port: port.default(8090),
    /**
     * File of `name:token` lines, one per person: a request must carry `Authorization: Bearer <token>` or
     * basic auth `name:token`, and actions are recorded under that name. Relative to the config file.
     */
    usersFile: z.string().min(1).optional(),
    /** How often open pages refresh what is running. */
    refreshSeconds: z.number().int().min(1).max(300).default(3),
    /** Intervals the grid shows, newest last. */
    gridIntervals: z.number().int().min(1).max(500).default(24),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!LOOPBACK_HOSTS.includes(c.host) && c.usersFile === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['usersFile'],
        message: `required when console.host is ${c.host} (not loopback): the console must not serve the network without sign-in`,
      });
    }
  })
  .default({});

/** The console section after defaults. */
export type ConsoleConfig = z.infer<typeof consoleSchema>;
