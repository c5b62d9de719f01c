/** The piece of a document the parser is in: what an error or a size limit is about. */
export type Construct =
  | 'text'
  | 'start tag'
  | 'end tag'
  | 'comment'
  | 'CDATA section'
  | 'processing instruction'
  | 'XML declaration'
  | 'DOCTYPE'
  | 'markup declaration';

/** Which construct begins with `head` (the first characters of it, as far as they were read). */
export function constructOf(head: string): Construct {
  if (!head.startsWith('<')) return 'text';
  if (head.startsWith('</')) return 'end tag';
  if (head.startsWith('<!--')) return 'comment';
  if (head.startsWith('<![CDATA[')) return 'CDATA section';
  if (head.startsWith('<!DOCTYPE')) return 'DOCTYPE';
  if (head.startsWith('<!')) return 'markup declaration';
  if (/^<\?xml[ \t\r\n?]/.test(head)) return 'XML declaration';
  if (head.startsWith('<?')) return 'processing instruction';
  return 'start tag';
}

const KIB = 1024;
const MIB = 1024 * KIB;

/**
 * The longest each construct may be. saxes keeps a construct whole until it ends, so these bound its memory
 * (and the window of text kept for positions): a PPR is a few kB, and its texts are short.
 */
export const MAX_CONSTRUCT: Readonly<Record<Construct, number>> = {
  text: MIB,
  'CDATA section': MIB,
  'start tag': MIB,
  'end tag': MIB,
  comment: 64 * KIB,
  'processing instruction': 64 * KIB,
  'XML declaration': 64 * KIB,
  DOCTYPE: 64 * KIB,
  'markup declaration': 64 * KIB,
};

export function tooLong(construct: Construct): string {
  const limit = MAX_CONSTRUCT[construct];
  const size = limit >= MIB ? `${limit / MIB} MiB` : `${limit / KIB} KiB`;
  const what = construct === 'start tag' || construct === 'end tag' ? 'a tag' : construct;
  return `${what} longer than ${size} (not expected in a PPR)`;
}

/** Where a problem is reported: the construct's start, the character read last, an entity's `&`, ... */
export type ErrorPlace = 'construct' | 'character' | 'brackets' | 'entity' | 'content' | 'end';

export interface XmlError {
  readonly text: string;
  readonly at: ErrorPlace;
}

export interface ErrorContext {
  readonly construct: Construct;
  /** The construct's text from its start, up to its `>` or 80 characters, as far as it was read. */
  readonly excerpt: string;
  /** The character the parser read last. */
  readonly character: string;
  /** The entity reference that failed, from its `&` (entity errors only). */
  readonly entity: string;
  readonly rootSeen: boolean;
  /** How many elements are open. */
  readonly depth: number;
}

function describeCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return code > 0x20 && code < 0x7f ? JSON.stringify(character) : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

const ONLY_ENTITIES = 'a PPR may use only &amp; &lt; &gt; &quot; &apos; and character references';

export function outsideRoot(rootSeen: boolean): string {
  return `text ${rootSeen ? 'after' : 'before'} the root element (only white space, comments and processing instructions may stand outside it)`;
}

/** The reason inside a malformed tag, said the way an operator fixes it. */
function tagReason(reported: string, context: ErrorContext): string {
  if (/^<\/[ \t\r\n]/.test(context.excerpt)) return 'nothing may stand between "</" and the name';
  if (/^<[ \t\r\n]/.test(context.excerpt)) return 'the name must follow "<" directly';
  if (reported === 'disallowed character') {
    if (context.character === '<') return '"<" may not stand inside a tag, nor in an attribute value';
    return `character ${describeCharacter(context.character)} is not allowed there`;
  }
  return reported;
}

/**
 * Our one-line wording of an error saxes reports (its message without position and final period), and
 * where to report it: at a tag's `<` for a tag, at the character for the rest.
 */
export function describeXmlError(reported: string, context: ErrorContext): XmlError {
  const inTag = context.construct === 'start tag' || context.construct === 'end tag';
  const named = /^(duplicate attribute|unbound namespace prefix|unmatched closing tag|unclosed tag): "?([^"]*)"?$/.exec(reported);
  if (reported === 'undefined entity') return { text: `undefined entity ${context.entity} (${ONLY_ENTITIES})`, at: 'entity' };
  if (reported === 'malformed character entity') return { text: `character reference ${context.entity} is not an XML character`, at: 'entity' };
  if (reported === 'disallowed character in entity name' || reported === 'empty entity name') {
    return { text: `"&" does not start an entity reference (write a "&" in text as &amp;)`, at: 'entity' };
  }
  switch (named?.[1]) {
    case 'duplicate attribute':
      return { text: `attribute ${named[2]} appears twice in one tag`, at: 'construct' };
    case 'unbound namespace prefix':
      return { text: `unbound namespace prefix "${named[2]}" (no xmlns:${named[2]} attribute declares it)`, at: 'construct' };
    case 'unmatched closing tag':
      return { text: `unexpected close tag </${named[2]}> (no element is open)`, at: 'construct' };
    case 'unclosed tag': {
      const root = context.depth === 1 ? 'root ' : '';
      return { text: `unclosed ${root}tag <${named[2]}> (the document ends before its end tag)`, at: 'end' };
    }
  }
  if (/^(an|the) XML declaration must (be|appear) at the start/.test(reported)) {
    return { text: 'an XML declaration is only allowed at the very start of the document', at: 'construct' };
  }
  if (reported === 'unexpected end') {
    const article = context.construct === 'text' ? '' : /^[aeiouX]/.test(context.construct) ? 'an ' : 'a ';
    return { text: `the document ends inside ${article}${context.construct}`, at: 'end' };
  }
  if (inTag) return { text: `malformed ${context.construct} ${JSON.stringify(context.excerpt)} (${tagReason(reported, context)})`, at: 'construct' };
  if (reported === 'disallowed character') return { text: `character ${describeCharacter(context.character)} is not allowed in XML`, at: 'character' };
  if (reported.startsWith('the string "]]>" is disallowed')) {
    return { text: `"]]>" in text (XML allows it only to end a CDATA section; the pipeline's reader refuses the document)`, at: 'brackets' };
  }
  if (reported === 'text data outside of root node') {
    return { text: outsideRoot(context.rootSeen), at: 'content' };
  }
  if (reported === 'malformed comment') return { text: 'malformed comment ("--" may only end it, as "-->")', at: 'character' };
  if (reported === 'inappropriately located doctype declaration') return { text: 'a DOCTYPE is only allowed once, before the root element', at: 'construct' };
  if (context.construct === 'XML declaration') return { text: `the XML declaration is not well-formed (${reported})`, at: 'construct' };
  return { text: reported.charAt(0).toLowerCase() + reported.slice(1), at: 'character' };
}

// A `&` that does not start a reference of the kinds XML has: saxes reads to the next `;` before it says so.
const REFERENCE = /&(?:#[0-9]+|#x[0-9A-Fa-f]+|[:A-Z_a-z\u00C0-\uFFFD][-.0-9:A-Z_a-z\u00B7\u00C0-\uFFFD]*);/y;

/** Offset in `text` of the first `&` that starts no entity or character reference, or -1. */
export function bareAmpersand(text: string): number {
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1)) {
    REFERENCE.lastIndex = at;
    if (!REFERENCE.test(text)) return at;
  }
  return -1;
}
