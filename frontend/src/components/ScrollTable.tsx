import { Table } from "@mantine/core";
import type { ReactNode } from "react";

/** A table that scrolls sideways on narrow screens; the scroller takes keyboard focus so it
 * can be scrolled without a mouse. */
export function ScrollTable({
  minWidth,
  maxHeight,
  children,
}: {
  minWidth: number;
  maxHeight?: number;
  children: ReactNode;
}) {
  return (
    <Table.ScrollContainer minWidth={minWidth} maxHeight={maxHeight} type="native" tabIndex={0}>
      {children}
    </Table.ScrollContainer>
  );
}
