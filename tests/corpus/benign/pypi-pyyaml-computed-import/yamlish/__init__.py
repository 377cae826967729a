from .constructor import *
__version__ = '6.0'
