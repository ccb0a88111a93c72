"""Exercises scheduled ahead: declared by the sweeper at their time, like any other exercise."""
