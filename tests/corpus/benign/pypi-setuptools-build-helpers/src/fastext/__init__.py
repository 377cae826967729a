try:
    from ._speedups import fast
except ImportError:
    def fast(x):
        return x
