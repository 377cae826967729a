from setuptools import setup
setup(name='yamlish', version='6.0', packages=['yamlish'])
