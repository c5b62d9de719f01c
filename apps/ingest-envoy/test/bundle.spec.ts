import { describeStandaloneBundle } from '@envoys/testing';

describeStandaloneBundle('ingest-envoy', ['--calibration', '--image', '--observation', '--seci', '--reingest'], ['--calibration', 'missing-dir']);
