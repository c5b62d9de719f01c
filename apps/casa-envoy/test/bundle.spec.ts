import { describeStandaloneBundle } from '@envoys/testing';

describeStandaloneBundle('casa-envoy', ['--standard-cal', '--standard-img', '--restore', '--integrated', '--verify', '--processing-dir'], ['--standard-cal', 'metadata.json', 'PPR.xml']);
