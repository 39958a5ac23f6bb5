/**
 * The YAML parser's error messages as Driftwatch reports them. Several of the parser's own quote
 * the source text they stumbled on — an alias name, a block scalar header, an escape sequence, a
 * tag — and in a Secret's manifest that text is its value (`password: *Pa55w0rd` is an alias to
 * the parser). A problem goes to the API, the page, the server log and, as a stale document's
 * note, into object warnings and snapshots: so only messages known to hold no source text pass;
 * every other one is replaced by a fixed wording for its kind.
 */
import type { YAMLError } from 'yaml';

/** Messages whose only variable parts come from a closed set (token types, flow map/sequence). */
const SAFE: ReadonlyArray<RegExp> = [
  /^An alias node must not specify any properties$/,
  /^(?:Alias|Anchor) cannot be an empty string$/,
  /^(?:Alias|Anchor) ending in : is ambiguous$/,
  /^All (?:sequence|mapping) items must start at the same column$/,
  /^A block sequence may not be used as an implicit map key$/,
  /^Nested mappings are not allowed in compact mappings$/,
  /^Block collections are not allowed within flow collections$/,
  /^Map keys must be unique$/,
  /^Block scalar header not found$/,
  /^Map comment with trailing content$/,
  /^The : indicator must be at most 1024 chars after the start of an implicit (?:block mapping|flow sequence) key$/,
  /^Missing closing ['"]quote$/,
  /^Block collection cannot start on same line with directives-end marker$/,
  /^Comments must be separated from other tokens by white space characters$/,
  /^Implicit map keys need to be followed by map values$/,
  /^Missing directives-end(?:\/doc-start)? indicator line$/,
  /^Sequence item without - indicator$/,
  /^Tags and anchors must be separated from the next token by white space$/,
  /^Missing (?:,|, or :) between flow (?:map|sequence) items$/,
  /^Missing space after : in flow (?:map|sequence)$/,
  /^Unexpected (?:,|empty item) in flow (?:map|sequence)$/,
  /^Implicit keys (?:of flow sequence pairs )?need to be on a single line$/,
  /^A node can have at most one (?:anchor|tag)$/,
  /^Tabs are not allowed as indentation$/,
  /^Excessive alias count indicates a resource exhaustion attack$/,
  /^Block scalars with more-indented leading empty lines must use an explicit indentation indicator$/,
  /^Block scalar values in collections must be indented$/,
  /^Block scalar lines must not be less indented than their (?:explicit indentation indicator|first line)$/,
  /^Flow end indicator should be more indented than parent$/,
  /^Missing newline after block sequence props$/,
  /^With simple keys, collection cannot be used as a key value$/,
  /^Unexpected doc-end without preceding document$/,
  /^Unexpected [a-z-]+ (?:token|at node end)$/,
  /^Unsupported token [a-z-]+$/,
  /^Expected a flow scalar value, but found: [a-z-]+$/,
  /^Unexpected token in block scalar header: [a-z-]+$/,
  /^Plain value cannot start with (?:reserved character [@`]|flow indicator character ,|directive indicator character %|block scalar indicator [|>])$/,
  /^Flow (?:map|sequence) (?:in block collection must be sufficiently indented and end|must end) with a [\]}]$/,
  /^Unexpected [a-z-]+ token in YAML (?:stream|document)$/,
  /^Unexpected block-seq-ind on same line with key$/,
];

/** What a message that may quote the source is replaced by: by its start, then by its code. */
const BY_START: ReadonlyArray<readonly [RegExp, string]> = [
  [/^Unresolved alias/, 'a value starting with * reads as an alias, and no anchor of that name comes before it: quote the value'],
  [/^Block scalar header includes extra characters/, 'text right after | or > (a block scalar header): quote the value, or start it on the next line'],
  [/^Anchor must not contain/, 'an anchor (a value starting with &) holds whitespace or control characters: quote the value'],
  [/^Ordered maps must not include duplicate keys/, 'an !!omap has the same key twice'],
  [/^(?:Unresolved tag|Could not resolve tag|Not a valid tag|Verbatim tags|The .* tag has no suffix|Unresolved plain scalar)/, 'a tag (a value starting with !) that cannot be read: quote the value'],
];

const BY_CODE: Partial<Record<YAMLError['code'], string>> = {
  BAD_ALIAS: 'an alias or anchor (a value starting with * or &) that cannot be read: quote the value',
  BAD_DQ_ESCAPE: 'a double-quoted value holds an escape sequence YAML does not know: single-quote it, or double the backslash',
  BAD_DIRECTIVE: 'a directive (a line starting with %) YAML does not take',
  BAD_PROP_ORDER: 'an anchor or tag stands before the indicator it belongs after',
  BAD_SCALAR_START: 'a plain value starts with a character that needs quotes',
  BAD_COLLECTION_TYPE: 'a tag for another kind of collection',
  TAG_RESOLVE_FAILED: 'a tag (a value starting with !) that cannot be read: quote the value',
  UNEXPECTED_TOKEN: 'text YAML did not expect here',
};

/**
 * The parser's message without the text it quotes; the position is reported beside it. Also for
 * what converting a document throws (an unresolved alias is a plain Error there, without a code).
 */
export function yamlProblemText(e: Pick<YAMLError, 'message'> & { code?: YAMLError['code'] }): string {
  const at = e.message.indexOf(' at line ');
  const message = at > 0 ? e.message.slice(0, at) : (e.message.split('\n')[0] ?? e.message);
  if (SAFE.some((re) => re.test(message))) return message;
  for (const [re, text] of BY_START) if (re.test(message)) return text;
  return (e.code !== undefined ? BY_CODE[e.code] : undefined) ?? `YAML cannot read this${e.code !== undefined ? ` (${e.code})` : ''}`;
}
