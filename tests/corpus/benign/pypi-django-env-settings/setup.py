from setuptools import setup
setup(name='siteconf', version='3.1', packages=['siteconf'])
