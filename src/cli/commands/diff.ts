import type { Command } from 'commander';

// Placeholder: owned by the diff work stream; replace the whole file.
export function register(_program: Command): void {}
