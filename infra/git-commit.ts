// The short commit of the repository the image is built from; '' outside a git checkout (a
// tarball) or without git, where the image then records no commit.
import { execFileSync } from 'node:child_process';

export function commitOf(directory: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: directory, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
  } catch {
    return '';
  }
}
