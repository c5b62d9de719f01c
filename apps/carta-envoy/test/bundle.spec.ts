import { describeStandaloneBundle } from '@envoys/testing';

describeStandaloneBundle('carta-envoy', ['--single', '--folder', '--session-id']);
