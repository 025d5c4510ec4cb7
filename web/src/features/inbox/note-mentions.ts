/**
 * The people an internal note @mentions: at each "@", the longest name that follows it as whole
 * words, so "@Sofia Sales" mentions Sofia Sales and not also a colleague called Sofia.
 */
export function mentionedIn(body: string, people: readonly { id: string; name: string }[]): string[] {
  const byLength = [...people].filter((p) => p.name !== '').sort((a, b) => b.name.length - a.name.length);
  const ids = new Set<string>();
  for (let at = body.indexOf('@'); at !== -1; at = body.indexOf('@', at + 1)) {
    const person = byLength.find(
      (p) => body.startsWith(p.name, at + 1) && !/[\p{L}\p{N}]/u.test(body.charAt(at + 1 + p.name.length)),
    );
    if (person) ids.add(person.id);
  }
  return [...ids];
}
