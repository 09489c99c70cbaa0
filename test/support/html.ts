/**
 * A small HTML parser for the report's own pages (no script, no comments beyond the doctype): elements with their
 * attributes and text, built into a tree. It throws on a closing tag that does not match the open element, so a test
 * that parses a page also proves it is well nested. Enough to find elements by attribute; not a browser.
 */
export interface HtmlElement {
  tag: string;
  attributes: Record<string, string>;
  children: HtmlElement[];
  /** The element's text, its descendants' included, entities decoded. */
  text: string;
  parent?: HtmlElement;
}

const VOID = new Set(['meta', 'link', 'br', 'img', 'input', 'hr']);
/** Where the HTML parsing algorithm closes an element implicitly; the report writes none of these unclosed. */
const RAW_TEXT = new Set(['style', 'script', 'title']);

function decode(text: string): string {
  return text.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!,
  );
}

export function parseHtml(html: string): HtmlElement {
  const root: HtmlElement = { tag: '#document', attributes: {}, children: [], text: '' };
  let current = root;
  const addText = (text: string): void => {
    for (let node: HtmlElement | undefined = current; node; node = node.parent) node.text += text;
  };
  const token =
    /<!DOCTYPE[^>]*>|<\/([a-zA-Z][\w-]*)\s*>|<([a-zA-Z][\w-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*(\/?)>|([^<]+)/g;
  let match: RegExpExecArray | null;
  let position = 0;
  while ((match = token.exec(html))) {
    if (match.index !== position)
      throw new Error(`unparsable HTML at ${position}: ${JSON.stringify(html.slice(position, position + 40))}`);
    position = token.lastIndex;
    const [whole, closing, opening, attributeText, selfClosing, text] = match;
    if (text !== undefined) addText(decode(text));
    else if (closing) {
      if (current.tag !== closing.toLowerCase())
        throw new Error(`</${closing}> closes <${current.tag}> at ${match.index}`);
      current = current.parent!;
    } else if (opening) {
      const attributes: Record<string, string> = {};
      for (const a of (attributeText ?? '').matchAll(/([\w:-]+)(?:="([^"]*)")?/g))
        attributes[a[1]!] = decode(a[2] ?? '');
      const element: HtmlElement = { tag: opening.toLowerCase(), attributes, children: [], text: '', parent: current };
      current.children.push(element);
      if (RAW_TEXT.has(element.tag)) {
        const end = html.indexOf(`</${element.tag}>`, position);
        if (end < 0) throw new Error(`<${element.tag}> is never closed`);
        element.text = decode(html.slice(position, end));
        position = token.lastIndex = end + element.tag.length + 3;
      } else if (!VOID.has(element.tag) && !selfClosing) current = element;
    } else if (!/^<!DOCTYPE/i.test(whole)) throw new Error(`unexpected ${whole}`);
  }
  if (position !== html.length) throw new Error(`unparsable HTML at ${position}`);
  if (current !== root) throw new Error(`<${current.tag}> is never closed`);
  return root;
}

/** Every element below `node` (depth first) that passes `test`. */
export function findAll(node: HtmlElement, test: (element: HtmlElement) => boolean): HtmlElement[] {
  const found: HtmlElement[] = [];
  const walk = (element: HtmlElement): void => {
    for (const child of element.children) {
      if (test(child)) found.push(child);
      walk(child);
    }
  };
  walk(node);
  return found;
}
