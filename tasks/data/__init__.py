"""Reading datasets as people publish them (YOLO, Pascal VOC, COCO), checking every image
and label file, and writing the canonical raw copy (data/raw/<name>) with its class statistics.

Imports core/.
"""
