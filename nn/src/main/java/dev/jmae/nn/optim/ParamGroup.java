package dev.jmae.nn.optim;

import dev.jmae.nn.Parameter;

import java.util.List;

/**
 * Parameters that share hyper-parameters (a PyTorch optimizer param_group). The learning rate is
 * mutable: schedules set it per iteration (lr = schedule(t) · lrScale).
 */
public final class ParamGroup {

    private final String name;
    private final List<Parameter> params;
    private double lr;
    private final double weightDecay;
    private final double lrScale;

    /**
     * Creates a group.
     *
     * @param name a label for logs and checkpoints (e.g. "decay", "no_decay")
     * @param params the parameters
     * @param lr initial learning rate per optimizer step
     * @param weightDecay decay factor (0 for the no-decay group)
     * @param lrScale multiplier a schedule applies to this group's lr (1 unless layer-wise decay)
     */
    public ParamGroup(String name, List<Parameter> params, double lr, double weightDecay, double lrScale) {
        this.name = name;
        this.params = List.copyOf(params);
        this.lr = lr;
        this.weightDecay = weightDecay;
        this.lrScale = lrScale;
    }

    /** @return the label */
    public String name() {
        return name;
    }

    /** @return the parameters */
    public List<Parameter> params() {
        return params;
    }

    /** @return the current learning rate */
    public double lr() {
        return lr;
    }

    /** @param lr the new learning rate */
    public void setLr(double lr) {
        this.lr = lr;
    }

    /** @return the weight decay */
    public double weightDecay() {
        return weightDecay;
    }

    /** @return the schedule multiplier */
    public double lrScale() {
        return lrScale;
    }
}
