// The wizard's step indicator: every step a button (keyboard-reachable), steps with a problem
// marked in words and colour, steps not reached yet not selectable.
import { Stepper } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { STEPS, type Step } from "./wizard";

export function WizardStepper({
  step,
  reachable,
  withProblems,
  onSelect,
}: {
  step: Step;
  /** Steps the operator may jump to (the draft must exist before the content step). */
  reachable: (s: Step) => boolean;
  withProblems: ReadonlySet<Step>;
  onSelect: (s: Step) => void;
}) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t("console.campaigns.wizard.steps")}>
      <Stepper
        active={STEPS.indexOf(step)}
        onStepClick={(i) => onSelect(STEPS[i] ?? step)}
        size="sm"
        wrap
        mb="xl"
      >
        {STEPS.map((s, i) => {
          const problem = withProblems.has(s);
          return (
            <Stepper.Step
              key={s}
              label={t(`console.campaigns.step.${s}`)}
              description={problem ? t("console.campaigns.wizard.needs_attention") : undefined}
              color={problem ? "red" : undefined}
              icon={problem ? <IconAlertTriangle size={16} aria-hidden /> : i + 1}
              completedIcon={problem ? <IconAlertTriangle size={16} aria-hidden /> : undefined}
              allowStepSelect={reachable(s) && s !== step}
              aria-current={s === step ? "step" : undefined}
              data-step={s}
              data-problem={problem || undefined}
            />
          );
        })}
      </Stepper>
    </nav>
  );
}
