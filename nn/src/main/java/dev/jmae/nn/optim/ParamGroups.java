package dev.jmae.nn.optim;

import dev.jmae.nn.Module;
import dev.jmae.nn.Parameter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builders of parameter groups. */
public final class ParamGroups {

    private ParamGroups() {
    }

    /**
     * timm's weight-decay split (param_groups_weight_decay / add_weight_decay): parameters with at
     * most one dim or whose key ends in {@code .bias} get no decay, everything else (weights, and in
     * MAE/CrossMAE the 3-d cls_token and mask_token) gets {@code weightDecay}; frozen parameters are
     * skipped. Order as timm: [no_decay, decay].
     *
     * @param model the model
     * @param lr initial learning rate of both groups
     * @param weightDecay the decay of the decayed group
     * @return the two groups
     */
    public static List<ParamGroup> weightDecaySplit(Module model, double lr, double weightDecay) {
        List<Parameter> decay = new ArrayList<>();
        List<Parameter> noDecay = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (!p.requiresGrad()) {
                continue;
            }
            if (p.ndim() <= 1 || e.getKey().endsWith(".bias")) {
                noDecay.add(p);
            } else {
                decay.add(p);
            }
        }
        return List.of(new ParamGroup("no_decay", noDecay, lr, 0.0, 1.0),
                new ParamGroup("decay", decay, lr, weightDecay, 1.0));
    }
}
