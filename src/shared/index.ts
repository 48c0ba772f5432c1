// What every module may use and that uses no module: the package's file locator, coded errors, the
// byte formatter, the malloc tunables for analysing processes. Imports nothing of heapscope's.
export { builtFile, distFile, findPackageRoot, fromSource, packageRoot, threadScript } from './package-files.js';
export { withHugePages } from './glibc-tunables.js';
export { CodedError, CpuProfileError, HeapSnapshotError, type HeapSnapshotErrorCode } from './errors.js';
export { formatBytes } from './format.js';
