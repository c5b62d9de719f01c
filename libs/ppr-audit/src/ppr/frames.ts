import type { PprContent, PprElement, PprLocation, PprNodeKind } from './types';

/** What the reader wants of an element at a path: its content and place ('value'), or only its place ('mark'). */
export type Watch = 'value' | 'mark' | undefined;

/** The receiver of a scan: says which elements matter and gets them as they open and close. */
export interface ScanHandler {
  /** `path`: the local names below the root element joined by '/' (the root itself is ''). */
  watch(path: string): Watch;
  open(path: string, name: string, at: PprLocation): void;
  close(path: string, element: PprElement): void;
}

/** Element text kept per element: names and paths are far shorter; longer text is refused by the audit. */
export const MAX_TEXT = 64 * 1024;

/** An open element, and what is gathered of its content while it is open. */
export interface Frame {
  readonly name: string;
  readonly watch: Watch;
  at?: PprLocation;
  openEnd?: PprLocation;
  readonly selfClosing: boolean;
  readonly attributes: Record<string, string>;
  nodes: number;
  last?: PprNodeKind;
  readonly kinds: Set<PprNodeKind>;
  text: string;
  truncated: boolean;
}

export function newFrame(name: string, watch: Watch, selfClosing: boolean): Frame {
  return { name, watch, selfClosing, attributes: {}, nodes: 0, kinds: new Set(), text: '', truncated: false };
}

/** Counts a node of the element's content the way minidom does: adjacent text is one node, the rest stand alone. */
export function addNode(frame: Frame | undefined, kind: PprNodeKind): void {
  if (!frame?.watch) return;
  if (kind !== 'text' || frame.last !== 'text') frame.nodes += 1;
  frame.last = kind;
  frame.kinds.add(kind);
}

/** Keeps an element's text, up to MAX_TEXT, when its value is wanted. */
export function addText(frame: Frame, text: string): void {
  if (frame.watch !== 'value' || frame.truncated) return;
  const room = MAX_TEXT - frame.text.length;
  frame.text += text.slice(0, room);
  if (text.length > room) frame.truncated = true;
}

/** The element a watched frame describes; `closeStart` and `end`: where its end tag starts and ends. */
export function toElement(frame: Frame, at: PprLocation, openEnd: PprLocation, closeStart: PprLocation, end: PprLocation): PprElement {
  const content: PprContent = { nodes: frame.nodes, kinds: [...frame.kinds], text: frame.text, truncated: frame.truncated };
  const element = { start: at.offset, end: end.offset };
  return {
    name: frame.name,
    at,
    span: frame.selfClosing ? { selfClosing: true, element } : { selfClosing: false, element, content: { start: openEnd.offset, end: closeStart.offset } },
    content,
    attributes: frame.attributes,
  };
}
