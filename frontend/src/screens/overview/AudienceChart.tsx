import { Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Area, Bar, CartesianGrid, ComposedChart, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { OverviewOut } from "../../api/types";
import { useFormat } from "../../i18n/format";

/** Audience size per day (a running total from the joins and departures), with the daily
 * joins and departures as bars. */
export function AudienceChart({ overview }: { overview: OverviewOut }) {
  const { t } = useTranslation();
  const f = useFormat();
  let total = overview.start_total;
  const data = overview.days.map((d) => {
    total += d.joined - d.left;
    return { day: d.day, audience: total, joined: d.joined, left: -d.left };
  });
  const joined = overview.days.reduce((n, d) => n + d.joined, 0);
  const left = overview.days.reduce((n, d) => n + d.left, 0);
  const summary = t("console.overview.chart_summary", {
    joined: f.number(joined),
    left: f.number(left),
    total: f.number(total),
  });
  return (
    <figure style={{ margin: 0 }}>
      <div style={{ width: "100%", height: 280 }} role="img" aria-label={summary}>
        <ResponsiveContainer>
          <ComposedChart data={data} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" tickFormatter={f.shortDay} minTickGap={24} fontSize={12} />
            <YAxis yAxisId="total" fontSize={12} tickFormatter={(v: number) => f.number(v)} width={56} domain={["auto", "auto"]} />
            <YAxis yAxisId="daily" orientation="right" fontSize={12} width={40} />
            <Tooltip
              labelFormatter={(v) => f.date(String(v))}
              formatter={(value, name) => [f.number(Math.abs(Number(value))), String(name)]}
            />
            <Legend />
            <Area
              yAxisId="total"
              type="monotone"
              dataKey="audience"
              name={t("console.overview.series_audience")}
              stroke="#1864ab"
              fill="#a5d8ff"
              fillOpacity={0.5}
            />
            <Bar yAxisId="daily" dataKey="joined" name={t("console.overview.series_joined")} fill="#2b8a3e" />
            <Bar yAxisId="daily" dataKey="left" name={t("console.overview.series_left")} fill="#c92a2a" />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <Text component="figcaption" size="sm" c="dimmed" mt="xs">
        {summary}
      </Text>
    </figure>
  );
}
