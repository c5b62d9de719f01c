// Helpers for tests that run envoys and external systems as real processes. Test code only.
export * from './bundle';
export * from './processes';
export * from './temp';
export * from './bundles';
export * from './bundle-contract';
export * from './redis';
export * from './raw-tar';
export * from './file-systems';
export * from './gzip-tar';
export * from './library-package';
export * from './properties';
export * from './run-records';
export * from './rabbitmq';
export * from './http-receiver';
export * from './browser';
export * from './crash-points';
export * from './stop-signals';
