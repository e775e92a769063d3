/**
 * How much memory this machine offers to models: total RAM, and dedicated GPU memory where the kernel exposes it
 * without extra tools (AMD: `/sys/class/drm/<card>/device/mem_info_vram_total`; NVIDIA only when
 * `/proc/driver/nvidia/gpus/<id>/information` states the memory). Otherwise the GPU memory is unknown.
 * Pure: no `vscode` import; the file system is a port so tests can fake it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { MachineMemory } from './recommendations';

/** The little of the file system this needs. */
export interface MachineFs {
  readDir(dir: string): string[];
  readFile(file: string): string | undefined;
}

export const nodeMachineFs: MachineFs = {
  readDir(dir) {
    try {
      return fs.readdirSync(dir);
    } catch {
      return [];
    }
  },
  readFile(file) {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** Largest dedicated GPU memory found, in bytes, or undefined when none can be read. */
export function readGpuMemoryBytes(machineFs: MachineFs = nodeMachineFs): number | undefined {
  let best: number | undefined;
  const consider = (bytes: number | undefined): void => {
    if (bytes !== undefined && Number.isFinite(bytes) && bytes > 0 && (best === undefined || bytes > best)) {
      best = bytes;
    }
  };
  const drm = '/sys/class/drm';
  for (const card of machineFs.readDir(drm)) {
    if (!/^card\d+$/.test(card)) {
      continue; // skip connectors such as card0-HDMI-A-1
    }
    const text = machineFs.readFile(path.posix.join(drm, card, 'device', 'mem_info_vram_total'));
    consider(text === undefined ? undefined : Number(text.trim()));
  }
  const nvidia = '/proc/driver/nvidia/gpus';
  for (const gpu of machineFs.readDir(nvidia)) {
    const text = machineFs.readFile(path.posix.join(nvidia, gpu, 'information'));
    consider(text === undefined ? undefined : parseNvidiaMemory(text));
  }
  return best;
}

/** Some drivers print e.g. `Video Memory: 8192 MB` in the information file; most do not. */
export function parseNvidiaMemory(text: string): number | undefined {
  const m = /(?:Video )?Memory:\s*(\d+)\s*(MB|MiB|GB|GiB)/i.exec(text);
  if (m === null) {
    return undefined;
  }
  const value = Number(m[1]);
  return /g/i.test(m[2] ?? '') ? value * 1024 ** 3 : value * 1024 ** 2;
}

/** This machine's memory. */
export function readMachineMemory(machineFs: MachineFs = nodeMachineFs): MachineMemory {
  return { totalMemBytes: os.totalmem(), gpuMemBytes: readGpuMemoryBytes(machineFs) };
}
