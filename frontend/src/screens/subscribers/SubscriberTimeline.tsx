import { Text, Timeline } from "@mantine/core";
import { IconArrowsExchange, IconClipboardCheck, IconHistory } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import type { TimelineItem } from "../../api/types";
import { Empty, ErrorState, Loading } from "../../components/states";
import { useFormat } from "../../i18n/format";

function describe(t: TFunction, item: TimelineItem): { title: string; body?: string } {
  const d = item.details as Record<string, string | null | undefined>;
  const list = d.list ?? "—";
  if (item.kind === "consent") {
    return {
      title: t(`console.timeline.consent_${d.action ?? "granted"}`, { defaultValue: item.summary, list }),
      body: d.method ? t("console.timeline.method", { method: d.method }) : undefined,
    };
  }
  if (item.kind === "state") {
    const to = t(`console.status.${d.to ?? ""}`, { defaultValue: d.to ?? "" });
    return {
      title: d.from
        ? t("console.timeline.changed", { list, from: t(`console.status.${d.from}`, { defaultValue: d.from }), to })
        : t("console.timeline.joined", { list, to }),
      body: d.reason ? t("console.timeline.reason", { reason: d.reason }) : undefined,
    };
  }
  return {
    title: t(`console.audit.action.${item.summary}`, { defaultValue: item.summary }),
    body: d.actor ? t("console.timeline.by", { actor: d.actor }) : undefined,
  };
}

const ICONS = { consent: IconClipboardCheck, state: IconArrowsExchange, audit: IconHistory } as const;

export function SubscriberTimeline({ subscriberId }: { subscriberId: number }) {
  const { t } = useTranslation();
  const f = useFormat();
  const items = useQuery({
    queryKey: ["subscriber", subscriberId, "timeline"],
    queryFn: () =>
      unwrap(
        api.GET("/sys/newsletter/subscribers/{subscriber_id}/timeline", {
          params: { path: { subscriber_id: subscriberId } },
        }),
      ),
  });
  if (items.isPending) return <Loading />;
  if (items.isError) return <ErrorState error={items.error} onRetry={() => void items.refetch()} />;
  if (items.data.length === 0) return <Empty title={t("console.timeline.empty")} />;
  const newestFirst = [...items.data].reverse();
  return (
    <Timeline bulletSize={26} lineWidth={2}>
      {newestFirst.map((item, i) => {
        const Icon = ICONS[item.kind as keyof typeof ICONS] ?? IconHistory;
        const { title, body } = describe(t, item);
        return (
          <Timeline.Item key={i} bullet={<Icon size={14} aria-hidden />} title={title}>
            {body && <Text size="sm">{body}</Text>}
            <Text size="xs" c="dimmed" mt={2}>
              <time dateTime={item.at}>{f.dateTime(item.at)}</time>
            </Text>
          </Timeline.Item>
        );
      })}
    </Timeline>
  );
}
