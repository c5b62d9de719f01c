export * from './errors';
export * from './files/atomic-write';
export type { Finding } from './report/finding';
