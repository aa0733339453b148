extends Node2D

var hp := 100
