import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

// Small helpers for the directory servers the tests start: readiness polling, and a
// daemon in its own process group that is always stopped (also when the test process exits).

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  stillAlive?: () => string | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    const dead = stillAlive?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Daemon {
  readonly pid: number;
  /** Output so far (stdout and stderr), for error messages. */
  output(): string;
  /** Exit description once it has exited, else undefined. */
  exited(): string | undefined;
  /** SIGTERM to the whole process group, SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
  /** Freezes or resumes the process group (a server that stops answering). */
  pause(): void;
  resume(): void;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

export function startDaemon(command: string, args: string[], env?: NodeJS.ProcessEnv): Daemon {
  // detached: its own session and process group (setsid), so stop() reaches its children too.
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  running.add(child);
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = `exited (${signal ?? code}): ${out.trim().slice(-2000)}`;
      running.delete(child);
      resolve();
    });
    child.once('error', (err) => {
      exit = `could not start ${command}: ${err.message}`;
      running.delete(child);
      resolve();
    });
  });
  return {
    pid: child.pid ?? -1,
    output: () => out,
    exited: () => exit,
    async stop(graceMs = 5000) {
      if (exit !== undefined) return;
      killGroup(child, 'SIGCONT');
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    pause: () => killGroup(child, 'SIGSTOP'),
    resume: () => killGroup(child, 'SIGCONT'),
  };
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
