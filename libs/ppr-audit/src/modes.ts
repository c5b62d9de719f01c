/** The calls casa-envoy makes (CONTRACT 4.1); each one needs different metadata fields (CONTRACT 4.3). */
export const CASA_MODES = ['standard-cal', 'restore', 'standard-img', 'integrated'] as const;

export type CasaMode = (typeof CASA_MODES)[number];
