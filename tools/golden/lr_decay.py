"""The official layer-wise lr decay rule, once for the golden scripts (lr_decay_table.py,
make_finetune_step_fixtures.py): facebookresearch/mae util/lr_decay.py's param_groups_lrd and
get_layer_id_for_vit (CrossMAE's copy is identical). param_groups_lrd_named returns what the
official function prints (the groups by name, parameter names) next to what it returns (the
groups with their parameters); param_groups_lrd returns the latter only, as the official one does.
"""


# ---- from facebookresearch/mae util/lr_decay.py (the json print replaced by returning the names) ----
def param_groups_lrd_named(model, weight_decay=0.05, no_weight_decay_list=[], layer_decay=.75):
    param_group_names = {}
    param_groups = {}

    num_layers = len(model.blocks) + 1

    layer_scales = list(layer_decay ** (num_layers - i) for i in range(num_layers + 1))

    for n, p in model.named_parameters():
        if not p.requires_grad:
            continue

        # no decay: all 1D parameters and model specific ones
        if p.ndim == 1 or n in no_weight_decay_list:
            g_decay = "no_decay"
            this_decay = 0.
        else:
            g_decay = "decay"
            this_decay = weight_decay

        layer_id = get_layer_id_for_vit(n, num_layers)
        group_name = "layer_%d_%s" % (layer_id, g_decay)

        if group_name not in param_group_names:
            this_scale = layer_scales[layer_id]

            param_group_names[group_name] = {
                "lr_scale": this_scale,
                "weight_decay": this_decay,
                "params": [],
            }
            param_groups[group_name] = {
                "lr_scale": this_scale,
                "weight_decay": this_decay,
                "params": [],
            }

        param_group_names[group_name]["params"].append(n)
        param_groups[group_name]["params"].append(p)

    return param_group_names, list(param_groups.values())


def get_layer_id_for_vit(name, num_layers):
    if name in ['cls_token', 'pos_embed']:
        return 0
    elif name.startswith('patch_embed'):
        return 0
    elif name.startswith('blocks'):
        return int(name.split('.')[1]) + 1
    else:
        return num_layers
# ---- end of the official code ----


def param_groups_lrd(model, weight_decay=0.05, no_weight_decay_list=[], layer_decay=.75):
    """The official param_groups_lrd: [{lr_scale, weight_decay, params}] for torch.optim."""
    return param_groups_lrd_named(model, weight_decay, no_weight_decay_list, layer_decay)[1]
