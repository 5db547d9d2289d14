/** A table's header row: column headers, numeric ones right-aligned (class `num`). */
export function TableHead(props: { columns: readonly (string | { label: string; num: true })[] }) {
  return (
    <thead>
      <tr>
        {props.columns.map((c) =>
          typeof c === 'string' ? (
            <th scope="col" key={c}>
              {c}
            </th>
          ) : (
            <th scope="col" class="num" key={c.label}>
              {c.label}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
