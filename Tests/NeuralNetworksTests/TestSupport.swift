import Autodiff
import Foundation

