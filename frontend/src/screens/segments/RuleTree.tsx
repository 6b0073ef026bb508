// The visual rule tree: groups ("Match all / any of the following") holding condition rows and
// nested groups. Presentational: the tree comes in as a value and every edit goes out through
// `onChange` as a new tree built with the model's immutable updates.
import {
  ActionIcon,
  Box,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Tooltip,
} from "@mantine/core";
import { IconFolderPlus, IconPlus, IconTrash } from "@tabler/icons-react";
import { createContext, useContext, useMemo, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { ListOption } from "./api";
import { fieldLabel, fieldOptions, offeredOps, opLabel } from "./labels";
import {
  ATTR_TYPES,
  CUSTOM,
  MAX_GROUP_DEPTH,
  addChild,
  changeAttrType,
  changeField,
  changeOp,
  conditions,
  emptyCondition,
  emptyGroup,
  fieldInfo,
  removeNode,
  setCombinator,
  toggleNegated,
  updateNode,
  validateRow,
  valueShape,
  type AttrType,
  type Catalogue,
  type Combinator,
  type ConditionNode,
  type GroupNode,
  type TreeNode,
} from "./model";
import { ValueEditor } from "./ValueEditor";

interface TreeContextValue {
  root: GroupNode;
  catalogue: Catalogue;
  readOnly: boolean;
  lists: ListOption[];
  listsLoading: boolean;
  /** Herald's own messages for rows (a 422 from the count), by row id. */
  serverErrors: Record<string, string>;
  /** Row numbers for labels ("condition 3"), depth first. */
  numbers: Map<string, number>;
  onChange: (root: GroupNode) => void;
}

const TreeContext = createContext<TreeContextValue | null>(null);

function useTree(): TreeContextValue {
  const value = useContext(TreeContext);
  if (!value) throw new Error("RuleTree parts outside RuleTree");
  return value;
}

export interface RuleTreeProps {
  value: GroupNode;
  onChange: (root: GroupNode) => void;
  catalogue: Catalogue;
  readOnly?: boolean;
  lists?: ListOption[];
  listsLoading?: boolean;
  serverErrors?: Record<string, string>;
}

export function RuleTree({ value, onChange, catalogue, readOnly = false, lists = [], listsLoading = false, serverErrors = {} }: RuleTreeProps) {
  const numbers = useMemo(() => new Map(conditions(value).map((c, i) => [c.id, i + 1])), [value]);
  const context: TreeContextValue = { root: value, catalogue, readOnly, lists, listsLoading, serverErrors, numbers, onChange };
  return (
    <TreeContext.Provider value={context}>
      <GroupEditor group={value} depth={1} />
    </TreeContext.Provider>
  );
}

function NotToggle({ node, label }: { node: TreeNode; label: string }) {
  const { t } = useTranslation();
  const { root, onChange, readOnly } = useTree();
  if (readOnly && !node.negated) return null;
  return (
    <Tooltip label={label} openDelay={400}>
      <Button
        size="compact-sm"
        variant={node.negated ? "filled" : "default"}
        color={node.negated ? "red.8" : undefined}
        aria-pressed={node.negated}
        aria-label={label}
        disabled={readOnly}
        onClick={() => onChange(toggleNegated(root, node.id))}
      >
        {t("console.segments.not")}
      </Button>
    </Tooltip>
  );
}

function GroupEditor({ group, depth }: { group: GroupNode; depth: number }) {
  const { t } = useTranslation();
  const { root, onChange, readOnly } = useTree();
  const isRoot = group.id === root.id;
  const name = isRoot ? t("console.segments.root_group") : t("console.segments.nested_group", { depth });
  const canNest = depth < MAX_GROUP_DEPTH;
  const combinatorLabel = t("console.segments.combinator_label", { group: name });
  return (
    <Paper
      component="section"
      aria-label={name}
      withBorder
      p="sm"
      radius="md"
      bg={depth % 2 === 0 ? "var(--mantine-color-gray-0)" : undefined}
      style={group.negated ? { borderColor: "var(--mantine-color-red-8)", borderWidth: 2 } : undefined}
      data-testid="segment-group"
    >
      <Stack gap="sm">
        <Group gap="xs" wrap="wrap" justify="space-between">
          <Group gap="xs" wrap="wrap">
            {group.negated && (
              <Text fw={700} c="red.8" size="sm">
                {t("console.segments.none_of")}
              </Text>
            )}
            <Text size="sm" id={`${group.id}-match`}>
              {t("console.segments.match")}
            </Text>
            <SegmentedControl
              size="xs"
              aria-label={combinatorLabel}
              disabled={readOnly}
              value={group.combinator}
              onChange={(v) => onChange(setCombinator(root, group.id, v as Combinator))}
              data={[
                { value: "all", label: t("console.segments.all") },
                { value: "any", label: t("console.segments.any") },
              ]}
            />
            <Text size="sm">{t("console.segments.of_the_following")}</Text>
          </Group>
          <Group gap="xs">
            <NotToggle node={group} label={t("console.segments.negate_group", { group: name })} />
            {!isRoot && !readOnly && (
              <ActionIcon
                variant="subtle"
                color="red.8"
                aria-label={t("console.segments.remove_group", { group: name })}
                onClick={() => onChange(removeNode(root, group.id))}
              >
                <IconTrash size={16} aria-hidden />
              </ActionIcon>
            )}
          </Group>
        </Group>
        {group.children.length === 0 && (
          <Text size="sm" c="dimmed">
            {isRoot ? t("console.segments.empty_root") : t("console.segments.empty_group")}
          </Text>
        )}
        {group.children.map((child, i) => (
          <Box key={child.id}>
            {i > 0 && (
              <Text size="xs" fw={700} tt="uppercase" c="dimmed" mb={4} aria-hidden>
                {group.combinator === "all" ? t("console.segments.and") : t("console.segments.or")}
              </Text>
            )}
            {child.kind === "group" ? <GroupEditor group={child} depth={depth + 1} /> : <ConditionRow cond={child} />}
          </Box>
        ))}
        {!readOnly && (
          <Group gap="xs">
            <Button
              size="compact-sm"
              variant="light"
              leftSection={<IconPlus size={14} aria-hidden />}
              onClick={() => onChange(addChild(root, group.id, emptyCondition()))}
              aria-label={t("console.segments.add_condition_to", { group: name })}
            >
              {t("console.segments.add_condition")}
            </Button>
            <Tooltip label={t("console.segments.depth_limit")} disabled={canNest}>
              <Button
                size="compact-sm"
                variant="default"
                leftSection={<IconFolderPlus size={14} aria-hidden />}
                disabled={!canNest}
                onClick={() => onChange(addChild(root, group.id, { ...emptyGroup(group.combinator === "all" ? "any" : "all"), children: [emptyCondition()] }))}
                aria-label={t("console.segments.add_group_to", { group: name })}
              >
                {t("console.segments.add_group")}
              </Button>
            </Tooltip>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

function ConditionRow({ cond }: { cond: ConditionNode }) {
  const { t } = useTranslation();
  const { root, onChange, readOnly, catalogue, lists, listsLoading, serverErrors, numbers } = useTree();
  const n = numbers.get(cond.id) ?? 0;
  const name = t("console.segments.condition_n", { n });
  const info = fieldInfo(cond, catalogue);
  const problem = validateRow(cond, catalogue);
  const serverError = serverErrors[cond.id];
  const messageId = `${cond.id}-problem`;
  const update = (fn: (c: ConditionNode) => ConditionNode) =>
    onChange(updateNode(root, cond.id, (node) => (node.kind === "condition" ? fn(node) : node)));
  const ops = info ? offeredOps(info.kind, info.ops, cond.op) : [];
  const message: ReactNode = serverError ?? (problem ? t(`console.segments.invalid.${problem}`) : null);

  return (
    <Paper
      role="group"
      aria-label={name}
      withBorder
      p="xs"
      radius="sm"
      data-testid="segment-condition"
      data-invalid={problem || serverError ? "true" : "false"}
      style={{
        borderLeft: `4px solid var(--mantine-color-${problem || serverError ? "red-8" : cond.negated ? "red-3" : "blue-6"})`,
      }}
    >
      <Group gap="xs" align="flex-start" wrap="wrap">
        <NotToggle node={cond} label={t("console.segments.negate_condition", { condition: name })} />
        <Select
          aria-label={t("console.segments.field_of", { condition: name })}
          placeholder={t("console.segments.pick_field")}
          data={fieldOptions(t, catalogue)}
          value={cond.field || null}
          onChange={(v) => update((c) => changeField(c, v ?? "", catalogue))}
          searchable
          disabled={readOnly}
          allowDeselect={false}
          size="sm"
          w={200}
          error={problem === "field" || undefined}
          nothingFoundMessage={t("console.segments.no_field")}
        />
        {cond.field === CUSTOM && (
          <>
            <TextInput
              aria-label={t("console.segments.attr_key_of", { condition: name })}
              placeholder={t("console.segments.attr_key")}
              value={cond.attrKey}
              onChange={(e) => {
                const attrKey = e.currentTarget.value;
                update((c) => ({ ...c, attrKey }));
              }}
              disabled={readOnly}
              size="sm"
              w={140}
              error={problem === "attr_key" || undefined}
            />
            <Select
              aria-label={t("console.segments.attr_type_of", { condition: name })}
              data={ATTR_TYPES.map((a) => ({ value: a, label: t(`console.segments.attr_type.${a}`) }))}
              value={cond.attrType}
              onChange={(v) => update((c) => changeAttrType(c, (v ?? "string") as AttrType, catalogue))}
              disabled={readOnly}
              allowDeselect={false}
              size="sm"
              w={120}
            />
          </>
        )}
        {info && (
          <Select
            aria-label={t("console.segments.op_of", { condition: name })}
            data={ops.map((op) => ({ value: op, label: opLabel(t, info.kind, op) }))}
            value={cond.op || null}
            onChange={(v) => update((c) => changeOp(c, v ?? "", catalogue))}
            disabled={readOnly}
            allowDeselect={false}
            size="sm"
            w={190}
            error={problem === "op" || undefined}
          />
        )}
        {info && cond.op && (
          <Box style={{ flex: "1 1 200px", minWidth: 180 }}>
            <ValueEditor
              shape={valueShape(info.kind, cond.op)}
              value={cond.value}
              onChange={(value) => update((c) => ({ ...c, value }))}
              disabled={readOnly}
              label={t("console.segments.value_of", { condition: name, field: fieldLabel(t, cond.field, catalogue) })}
              lists={lists}
              listsLoading={listsLoading}
              invalid={Boolean(problem?.startsWith("value") || serverError)}
              describedBy={message ? messageId : undefined}
            />
          </Box>
        )}
        {!readOnly && (
          <ActionIcon
            variant="subtle"
            color="red.8"
            size="lg"
            aria-label={t("console.segments.remove_condition", { condition: name })}
            onClick={() => onChange(removeNode(root, cond.id))}
          >
            <IconTrash size={16} aria-hidden />
          </ActionIcon>
        )}
      </Group>
      {message && (
        <Text id={messageId} size="xs" c="red.8" mt={4} role={serverError ? "alert" : undefined}>
          {message}
          {!serverError && !readOnly && ` ${t("console.segments.not_counted")}`}
        </Text>
      )}
    </Paper>
  );
}
