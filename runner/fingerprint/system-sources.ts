// Where the fingerprint reads the machine from: /proc, /sys and a few files at /. Tests point
// `root` at a fake tree in a temp dir (or inject readers); nothing here caches, so a test can
// change the tree between calls.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { release } from 'node:os';

export interface SystemSources {
  /** Prefix for every absolute path read (/proc/cpuinfo becomes `${root}/proc/cpuinfo`); default ''. */
  root?: string;
  /** A file's text, or undefined when it cannot be read. */
  readText?: (path: string) => string | undefined;
  /** A directory's entry names, or undefined when it cannot be listed. */
  listDir?: (path: string) => string[] | undefined;
  exists?: (path: string) => boolean;
  env?: NodeJS.ProcessEnv;
  /** The kernel release (os.release()). */
  kernelRelease?: () => string;
}

/** SystemSources with every default filled in; paths passed to it are the real ones (/proc/...). */
export interface SystemReader {
  read(path: string): string | undefined;
  list(path: string): string[] | undefined;
  exists(path: string): boolean;
  env: NodeJS.ProcessEnv;
  kernelRelease(): string;
}

function readTextOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function listDirOrUndefined(path: string): string[] | undefined {
  try {
    return readdirSync(path);
  } catch {
    return undefined;
  }
}

export function systemReader(sources: SystemSources = {}): SystemReader {
  const root = (sources.root ?? '').replace(/\/+$/, '');
  const readText = sources.readText ?? readTextOrUndefined;
  const listDir = sources.listDir ?? listDirOrUndefined;
  const exists = sources.exists ?? existsSync;
  return {
    read: (path) => readText(root + path),
    list: (path) => listDir(root + path),
    exists: (path) => exists(root + path),
    env: sources.env ?? process.env,
    kernelRelease: sources.kernelRelease ?? release,
  };
}

/** A file's text trimmed, or undefined when missing or empty. */
export function readTrimmed(reader: SystemReader, path: string): string | undefined {
  const text = reader.read(path)?.trim();
  return text === undefined || text === '' ? undefined : text;
}

/** The kernel's CPU list format ("0-3,8,10-11") as a sorted list of CPU numbers; [] when malformed. */
export function parseCpuList(text: string | undefined): number[] {
  const cpus = new Set<number>();
  for (const part of (text ?? '').trim().split(',')) {
    if (part === '') continue;
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) return [];
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first || last - first > 1 << 16) return [];
    for (let cpu = first; cpu <= last; cpu++) cpus.add(cpu);
  }
  return [...cpus].sort((a, b) => a - b);
}
