// Which of the tools the native build needs are missing, and how to install each.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export const buildTools = [
  { name: 'cmake', commands: ['cmake'], install: 'install CMake >= 3.18 (Debian/Ubuntu: apt-get install cmake; macOS: brew install cmake)' },
  { name: 'a C++ compiler', commands: ['c++', 'g++', 'clang++'], install: 'install g++ or clang++ (Debian/Ubuntu: apt-get install g++; macOS: xcode-select --install)' },
  { name: 'make', commands: ['make', 'ninja'], install: 'install make (Debian/Ubuntu: apt-get install make)' },
];

function onPath(command, pathVariable) {
  return pathVariable.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function missingBuildTools(pathVariable) {
  return buildTools.filter((tool) => !tool.commands.some((command) => onPath(command, pathVariable)));
}
