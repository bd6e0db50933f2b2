/** A model's successful `runNode` result, as the transform workflow tests' fake activities return it. */
export const builtModel = (id: string) => ({
  id,
  name: id,
  type: 'model' as const,
  status: 'success' as const,
  rows: 1,
  table: `marts.${id}`,
});
