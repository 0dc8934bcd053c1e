"""The end-to-end scenario behind ``fedchain demo`` (``make demo``)."""

from fedchain.demo.scenario import DemoConfig, DemoResult, run_demo

__all__ = ["DemoConfig", "DemoResult", "run_demo"]
