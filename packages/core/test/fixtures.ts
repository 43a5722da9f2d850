/** Shared test values. Keys follow the reference's `public/key/NAME/N/` test-key style. */
export function refKey(name: string, n: number): string {
  const padding = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  const key = `public/key/${name}/${n}/`;
  return key + padding.slice(key.length);
}
