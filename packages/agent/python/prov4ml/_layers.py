"""log_model(log_model_layers=True): the newest original's <name>_layers_description.json, a nested
dict of the model's child modules, each leaf with the layer's type and shape attributes."""

from ._errors import warn_once

#: The attributes of a layer the description keeps, where the layer has them.
LAYER_ATTRIBUTES = ("in_features", "out_features", "in_channels", "out_channels", "kernel_size", "stride", "padding")


def layers_description(model):
    """{child name: description} for a torch module, or None (with a warning) for an object without children."""
    children = getattr(model, "named_children", None)
    if not callable(children):
        warn_once("no-children", "prov4ml.log_model: a %s has no named_children(); its layers are not described" % type(model).__name__)
        return None
    return {name: _describe(child) for name, child in children()}


def _describe(module):
    children = list(module.named_children())
    if children:
        return {name: _describe(child) for name, child in children}
    layer = {"layer_type": type(module).__name__}
    for attribute in LAYER_ATTRIBUTES:
        value = getattr(module, attribute, None)
        if value is not None:
            layer[attribute] = _plain(value)
    dtype = _dtype(module)
    if dtype is not None:
        layer["dtype"] = dtype
    return layer


def _dtype(module):
    weight = getattr(module, "weight", None)
    dtype = getattr(weight, "dtype", None)
    return None if dtype is None else str(dtype)


def _plain(value):
    """JSON's form of a layer attribute: tuples become lists, anything else unusual its str()."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
