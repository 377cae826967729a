import sys


def find_python_name(name):
    if "." in name:
        module_name, object_name = name.rsplit(".", 1)
    else:
        module_name, object_name = "builtins", name
    __import__(module_name)
    module = sys.modules[module_name]
    return getattr(module, object_name)


def construct_python_object(suffix, kwds):
    cls = find_python_name(suffix)
    return cls(**kwds)
