from matplotlib import *  # noqa
