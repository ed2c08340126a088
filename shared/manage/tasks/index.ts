import type { Task, TaskContext, TaskOutcome } from '../task.js';
import { backup } from './backup.js';
import { health } from './health.js';
import { loadSsl } from './load-ssl.js';
import { logs } from './logs.js';
import { runTask } from './run.js';
import { serviceTask, status } from './services.js';
import { updateRedis } from './update-redis.js';
import { updateServer } from './update-server.js';
import { updateSmtp } from './update-smtp.js';
import { upgrade } from './upgrade.js';

/** The four config tasks in one: what changed is the union, each part noted. */
async function config(ctx: TaskContext): Promise<TaskOutcome> {
  const parts = [loadSsl, updateServer, updateRedis, updateSmtp];
  const changed: string[] = [];
  const notes: string[] = [];
  for (const part of parts) {
    const outcome = await part(ctx);
    changed.push(...outcome.changed);
    if (outcome.changed.length > 0) notes.push(outcome.note);
  }
  return { changed, note: notes.length > 0 ? notes.join('; ') : 'unchanged' };
}

export const TASKS: Readonly<Record<string, Task>> = {
  'load-ssl': loadSsl,
  'update-server': updateServer,
  'update-redis': updateRedis,
  'update-smtp': updateSmtp,
  config,
  start: serviceTask('start'),
  stop: serviceTask('stop'),
  restart: serviceTask('restart'),
  status,
  run: runTask,
  backup,
  logs,
  upgrade,
  health,
};
