import { describeStandaloneBundle } from '@envoys/testing';

describeStandaloneBundle('carta-envoy', ['--single', '--folder', '--session-id'], ['--single', 'missing.fits', '--session-id', 's1']);
