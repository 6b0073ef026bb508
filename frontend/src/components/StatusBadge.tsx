import { Badge } from "@mantine/core";
import { useTranslation } from "react-i18next";

const COLORS: Record<string, string> = {
  active: "teal",
  pending: "yellow",
  unsubscribed: "gray",
  bounced: "red",
  complained: "red",
  suppressed: "dark",
  queued: "gray",
  running: "blue",
  done: "teal",
  failed: "red",
  draft: "gray",
  scheduled: "blue",
  sending: "blue",
  paused: "orange",
  sent: "teal",
  cancelled: "gray",
};

/** A subscription, import or campaign status, translated, marked by a coloured dot (the text
 * stays dark, so every colour reads at AA contrast). */
export function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[status] ?? "gray"} variant="dot" radius="sm" tt="none" size="md">
      {t(`console.status.${status}`, { defaultValue: status })}
    </Badge>
  );
}

export function statusColor(status: string): string {
  return COLORS[status] ?? "gray";
}
