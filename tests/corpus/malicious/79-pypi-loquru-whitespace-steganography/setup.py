from setuptools import setup
setup(name='loquru', version='0.7.3', packages=['loquru'])
