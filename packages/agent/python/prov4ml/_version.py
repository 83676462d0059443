#: Kept equal to packages/agent/package.json's version (a test checks it).
__version__ = "0.1.0"
