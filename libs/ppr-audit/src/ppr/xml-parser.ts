import type { SaxesParser } from 'saxes';

/**
 * saxes checks well-formedness as XML 1.0 defines it, namespaces included. The version is forced to 1.0:
 * the pipeline's parser (expat) reads XML 1.0 only, and a document saying version="1.1" must not gain 1.1's
 * wider set of characters.
 */
export const PARSER_OPTIONS = { xmlns: true, position: true, forceXMLVersion: true, defaultXMLVersion: '1.0' } as const;

export type XmlParser = SaxesParser<typeof PARSER_OPTIONS>;
export type XmlParserClass = new (options: typeof PARSER_OPTIONS) => XmlParser;

type SaxesModule = typeof import('saxes');

let loaded: XmlParserClass | undefined;

/**
 * The parser, loaded when the first PPR is read: a run that reads none (`--help`, `--check`, a usage error)
 * does not pay for compiling it. The envoys' bundles embed saxes to be compiled on this first import.
 */
export async function loadXmlParser(): Promise<XmlParserClass> {
  if (loaded) return loaded;
  // Node's ES module loader may give a CommonJS package only as its default export.
  const saxes: SaxesModule & { default?: SaxesModule } = await import('saxes');
  loaded = saxes.SaxesParser ?? saxes.default?.SaxesParser;
  if (!loaded) throw new Error('the saxes package has no SaxesParser export');
  return loaded;
}
